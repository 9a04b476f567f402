"""The body of `fabtrust cert verify`, one implementation for both ways a process runs it: the
typer command (fabtrust.cli.cert.verify, a thin wrapper) and the light start-up path
(fabtrust.cli._light, without typer, click or rich). It takes plain values (the settings of the
global options, the command's arguments as given) and returns the exit code.

Light module: the standard library, fabtrust.errors and the CLI's light modules; the SDK's
verification (and over IPC, web3) is imported inside the functions.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._exit import ExitCode
from ._files import read_seed
from ._parse import bad, parse_optional_file, parse_readable_file, problem, settings_client
from ._text import CHECK_LABELS, verdict_view

if TYPE_CHECKING:
    from fabtrust.certificates.bundle import CertificateBundle
    from fabtrust.client import Fabtrust

    from ._context import CliSettings
    from ._output import Output

__all__ = ["device_words", "report_arg", "verdict_document", "verify_report"]

_DIGEST_RE = re.compile(r"(0[xX])?[0-9a-fA-F]{64}")


def verify_report(
    settings: CliSettings,
    *,
    report: str,
    bundle: str | None = None,
    data: str | None = None,
    seed_file: Path | None = None,
) -> int:
    """Check ``report`` (a file, or its SHA-256) against the chain of ``settings``; the verdict on
    stdout (--json) or stderr. Returns 0 verified, 1 not verified (with the ``not verified:``
    line); bad input and chain problems raise (the caller maps them: report_failure)."""
    out = settings.output
    report_value = report_arg(report)
    bundle_path = parse_optional_file(bundle, option="--bundle")
    data_path = parse_optional_file(data, option="--data")
    if seed_file is not None and data_path is None:
        raise problem("--seed-file", "is only used with --data READINGS.csv")
    seed_hex = read_seed(seed_file) if data_path is not None else None
    if not settings.rpc_url.strip().lower().startswith(("http://", "https://")):
        return _verify_with_client(settings, bundle_path, report_value, data_path, seed_hex)  # IPC
    # The buyer's path over HTTP, for every bundle (a streamed bench test's checkpoints too): no
    # web3 import (see fabtrust.certificates._light_verify); the bundle is loaded once.
    from fabtrust.certificates._light_verify import light_device_words, verify_light
    from fabtrust.errors import DeploymentNotFoundError

    loaded = _load_bundle(bundle_path)
    try:
        verdict, reader = verify_light(
            rpc_url=settings.rpc_url,
            deployments=settings.deployments,
            bundle=loaded,
            report=report_value,
            readings=data_path,
            readings_seed=seed_hex,
        )
        verdict = _with_checkpoints(reader.binding, verdict, loaded, data_path, seed_hex)
    except DeploymentNotFoundError as exc:  # as client_of: a chain problem (exit code 3)
        from fabtrust.errors import ChainError

        raise ChainError(str(exc)) from None
    document = verdict_document(verdict, bundle=loaded)
    if verdict.certificate is not None:
        document["device"] = light_device_words(reader, verdict.certificate.device_id)
    return _show_verdict(out, verdict, document)


def report_arg(report: str) -> str | Path:
    """The REPORT argument: a file, or (when no such file exists) a SHA-256 digest."""
    path = Path(report)
    if path.exists():
        return parse_readable_file(path, option="REPORT")
    if _DIGEST_RE.fullmatch(report.strip()):
        return report.strip()
    raise bad("REPORT", report, "does not exist (give the report file or its SHA-256)")


def device_words(client: Fabtrust, device_id: int) -> dict[str, Any] | None:
    """The device's serial, model and status for people, or None when it cannot be read."""
    from fabtrust.errors import FabtrustError

    try:
        device = client.devices.get(device_id=device_id)
    except FabtrustError:
        return None
    return {
        "serial": device.serial,
        "model": device.model_text or device.model,
        "manufacturer": device.manufacturer,
        "status": device.status.name.capitalize(),
    }


def _load_bundle(path: Path | None) -> CertificateBundle | None:
    """The CertificateBundle at ``path`` (None without one), loaded once per verification."""
    if path is None:
        return None
    from fabtrust.certificates.bundle import CertificateBundle

    return CertificateBundle.load(path)


def _verify_with_client(
    settings: CliSettings,
    bundle_path: Path | None,
    report_value: str | Path,
    data_path: Path | None,
    seed_hex: str | None,
) -> int:
    """`cert verify` through the web3 client: for an IPC socket, which the light path (HTTP
    only) does not speak. The same checks as the light path (one implementation:
    fabtrust.certificates._verify and fabtrust.bench.verify)."""
    client = settings_client(settings, signer=False)
    loaded = _load_bundle(bundle_path)
    verdict = client.certificates.verify_bundle(
        bundle=loaded, report=report_value, readings=data_path, readings_seed=seed_hex
    )
    verdict = _with_checkpoints(client.chain, verdict, loaded, data_path, seed_hex)
    document = verdict_document(verdict, bundle=loaded)
    if verdict.certificate is not None:
        document["device"] = device_words(client, verdict.certificate.device_id)
    return _show_verdict(settings.output, verdict, document)


def _show_verdict(out: Output, verdict: Any, document: dict[str, Any]) -> int:
    """The verdict on stdout (--json) or stderr; 1 with the failed checks named when it fails."""
    out.result(document, verdict_view(document))
    if verdict.verified:
        return int(ExitCode.OK)
    failed = "; ".join(
        f"{CHECK_LABELS.get(c.name, c.name)} ({c.name}): {c.detail}" for c in verdict.failures
    )
    out.error(f"not verified: {failed}")
    return int(ExitCode.NOT_VERIFIED)


def _with_checkpoints(
    binding: Any,
    verdict: Any,
    bundle: CertificateBundle | None,
    data: Path | None,
    seed: str | None,
) -> Any:
    """The verdict with the ``checkpoints`` check added when the (loaded) bundle names the
    checkpoints of a streamed bench test (fabtrust.bench.verify), read through ``binding`` (the
    light one over HTTP, the web3 one over IPC); the readings CSV and seed, when given, rebuild
    every chunk."""
    if bundle is None or bundle.checkpoints is None:
        return verdict
    from fabtrust.bench.checkpoints import CheckpointsClient
    from fabtrust.bench.verify import check_checkpoints
    from fabtrust.evidence.readings import load_readings

    readings = load_readings(data) if data is not None and seed is not None else None
    check = check_checkpoints(
        bundle, checkpoints=CheckpointsClient(binding), readings=readings, seed=seed
    )
    return verdict.model_copy(
        update={"checks": (*verdict.checks, check), "verified": verdict.verified and check.ok}
    )


def verdict_document(verdict: Any, *, bundle: CertificateBundle | None) -> dict[str, Any]:
    """The --json verdict (schema ``fabtrust/schemas/verdict.schema.json``): each check with a
    ``status`` of ok, failed or skipped (a check that did not run is never ok)."""
    from fabtrust.evidence import test_spec_id

    document: dict[str, Any] = verdict.model_dump(mode="json")
    checks = []
    for check in verdict.checks:
        status = "skipped" if check.skipped else ("ok" if check.ok else "failed")
        checks.append(
            {
                "name": check.name,
                "label": CHECK_LABELS.get(check.name, check.name),
                "status": status,
                "detail": check.detail,
            }
        )
    document["checks"] = checks
    document["failed_checks"] = [c["name"] for c in checks if c["status"] == "failed"]
    document["skipped_checks"] = [c["name"] for c in checks if c["status"] == "skipped"]
    if document.get("certificate"):
        result = document["certificate"].get("result")
        document["certificate"]["result_label"] = {1: "Pass", 2: "Fail"}.get(result, str(result))
    spec_text: str | None = None
    if bundle is not None and verdict.certificate is not None:
        text = bundle.test_spec_text
        if text and test_spec_id(text) == verdict.certificate.test_spec:
            spec_text = text  # shown only when it is the text of the spec on chain
    document["test_spec_text"] = spec_text
    return document
