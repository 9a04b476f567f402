"""Private: the buyer's verification without web3 (``fabtrust cert verify``).

The very checks of :func:`fabtrust.certificates._verify.verify`, through the very
:class:`~fabtrust.certificates._reader.Reader` (the one module that names the registry's views and
their arguments), over :class:`fabtrust._lightchain.LightBinding` instead of the web3 Binding: a
whole ``cert verify`` process then takes ~0.2 s instead of ~0.65 s. Only the four raw reads the
Reader makes outside its binding (block time, code, a plain eth_call, a transaction's input) are
re-done here over the light JSON-RPC client.
"""

from __future__ import annotations

import os
from typing import Any

from fabtrust._lightchain import LightBinding, RpcError, connect_light
from fabtrust._modeltext import model_text
from fabtrust.certificates._reader import DEVICES, Block, Reader
from fabtrust.certificates._verify import verify
from fabtrust.certificates.bundle import CertificateBundle
from fabtrust.certificates.models import Verdict
from fabtrust.deployments import Deployment
from fabtrust.errors import FabtrustError

__all__ = ["LightReader", "light_device_words", "verify_light"]


class LightReader(Reader):
    """The certificates Reader over a :class:`LightBinding`."""

    binding: LightBinding  # type: ignore[assignment]

    def __init__(self, binding: LightBinding) -> None:
        self.binding = binding

    def head(self) -> tuple[int, int]:
        block = self.binding.block("latest")
        return int(block["number"], 16), int(block["timestamp"], 16)

    def block_timestamp(self, number: int) -> int:
        return int(self.binding.block(number)["timestamp"], 16)

    def code_at(self, address: str, *, block: Block = "latest") -> bytes:
        return self.binding.code(address, block=block)

    def raw_call(self, params: dict[str, Any], *, block: Block = "latest") -> bytes:
        return self.binding.raw_call(params, block=block)

    def transaction_input(self, tx_hash: str) -> bytes | None:
        try:
            tx = self.binding.rpc.request("eth_getTransactionByHash", [tx_hash])
        except RpcError:
            return None
        data = tx.get("input") if isinstance(tx, dict) else None
        return bytes.fromhex(data[2:]) if isinstance(data, str) else None


def verify_light(
    *,
    rpc_url: str,
    deployments: str | os.PathLike[str] | Deployment,
    bundle: CertificateBundle | str | os.PathLike[str] | None = None,
    report: str | bytes | os.PathLike[str] | None = None,
    readings: str | os.PathLike[str] | None = None,
    readings_seed: bytes | str | None = None,
) -> tuple[Verdict, LightReader]:
    """:meth:`CertificatesClient.verify_bundle` without web3: the same Verdict (same checks, same
    details), and the reader for further reads at the same node."""
    loaded = (
        bundle
        if bundle is None or isinstance(bundle, CertificateBundle)
        else CertificateBundle.load(bundle)
    )
    reader = LightReader(connect_light(rpc_url=rpc_url, deployments=deployments))
    verdict = verify(
        reader,
        bundle=loaded,
        report=report,
        readings=readings,
        readings_seed=readings_seed,
        cert_id=None,
        rpc_url=reader.binding.connection.rpc_url,
    )
    return verdict, reader


def light_device_words(reader: LightReader, device_id: int) -> dict[str, Any] | None:
    """As ``fabtrust.cli.cert.device_words``: serial, model and status for people, or None when
    they cannot be read (from the device record and its DeviceRegistered event)."""
    try:
        info = reader.device(device_id)
        topic = "0x" + device_id.to_bytes(32, "big").hex()
        events = list(reader.binding.events(DEVICES, "DeviceRegistered", topics=[topic]))
    except FabtrustError:
        return None
    if not events:
        return None
    args = events[0].args
    model = str(args["model"])
    return {
        "serial": str(args["serial"]),
        "model": model_text(model) or model,
        "manufacturer": info.manufacturer,
        "status": info.status.capitalize(),
    }
