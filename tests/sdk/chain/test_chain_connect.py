"""connect_web3 / ChainConnection: identification, unreachable nodes, wrong chains, dev keys."""

from __future__ import annotations

import http.server
import threading
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from chain_helpers import Node, deploy

from fabtrust.accounts import Signer
from fabtrust.chain import ChainConnection, TransactionSender, connect_web3
from fabtrust.deployments import CompilerInfo, ContractDeployment, Deployment
from fabtrust.errors import (
    AccountError,
    ChainError,
    InvalidInputError,
    NodeUnreachableError,
    WrongChainError,
)
from fabtrust.testing import free_port

DEAD_PORT = free_port()  # nothing listens here


@pytest.fixture(scope="module")
def local(node_factory: Callable[..., Node]) -> Node:
    return node_factory()


@pytest.fixture(scope="module")
def mainnet_like(node_factory: Callable[..., Node]) -> Node:
    return node_factory("--chain-id", "1")  # anvil pretending to be chain id 1


@pytest.fixture(scope="module")
def not_a_node() -> Iterator[str]:
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(404)
            self.end_headers()
            self.wfile.write(b"<html>nope</html>")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_connect_identifies_the_chain(local: Node) -> None:
    conn = connect_web3(local.url)
    assert isinstance(conn, ChainConnection)
    assert conn.chain_id == 31337 and conn.is_local
    assert conn.genesis_hash == "0x" + bytes(local.w3.eth.get_block(0)["hash"]).hex()
    assert "anvil" in conn.client_version.lower()
    assert conn.block_number() == local.w3.eth.block_number
    conn.check(chain_id=31337, genesis_hash=conn.genesis_hash.upper().replace("0X", "0x"))
    with pytest.raises(WrongChainError) as info:
        conn.check(chain_id=1)
    assert info.value.kind == "chain_id" and (info.value.expected, info.value.actual) == (1, 31337)
    with pytest.raises(WrongChainError) as genesis:
        conn.check(genesis_hash="0x" + "00" * 32)
    assert genesis.value.kind == "genesis_hash"
    with pytest.raises(WrongChainError):
        connect_web3(local.url, expected_chain_id=5)


def _no_transport_traceback(exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc))
    assert "During handling" not in text and "direct cause" not in text
    for noise in ("urllib3", "requests.exceptions", "web3.exceptions"):
        assert noise not in text


def test_node_down_names_the_url() -> None:
    url = f"http://127.0.0.1:{DEAD_PORT}"
    with pytest.raises(NodeUnreachableError) as info:
        connect_web3(url, timeout=2, retries=1)
    assert url in str(info.value) and info.value.url == url
    assert info.value.__cause__ is None and info.value.__suppress_context__
    _no_transport_traceback(info.value)


def test_password_in_url_is_redacted() -> None:
    with pytest.raises(NodeUnreachableError) as info:
        connect_web3(f"http://alice:s3cret@127.0.0.1:{DEAD_PORT}/rpc", timeout=2, retries=1)
    assert "s3cret" not in str(info.value) and "alice:***@127.0.0.1" in str(info.value)


def test_sender_on_a_dead_node_raises_node_unreachable() -> None:
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{DEAD_PORT}", request_kwargs={"timeout": 2}))
    w3.provider.exception_retry_configuration = None  # type: ignore[attr-defined]
    sender = TransactionSender(w3, Signer.dev(0), retry_backoff=0.01, broadcast_retries=1)
    with pytest.raises(NodeUnreachableError) as info:
        sender.send({"to": Signer.dev(1).address, "value": 1})
    assert str(DEAD_PORT) in str(info.value)
    _no_transport_traceback(info.value)


def test_web_server_that_is_not_a_node(not_a_node: str) -> None:
    with pytest.raises(NodeUnreachableError, match="HTTP 404") as info:
        connect_web3(not_a_node, timeout=2, retries=1)
    assert not_a_node in str(info.value)


@pytest.mark.parametrize("url", ["", "localhost:8545", "ws://127.0.0.1:1", "ftp://x"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(InvalidInputError):
        connect_web3(url)


def _deployment(conn: ChainConnection, address: str, **kw: Any) -> Deployment:
    compiler = CompilerInfo(
        version="0.8.24", evm_version="shanghai", optimizer_enabled=True, optimizer_runs=200
    )
    data: dict[str, Any] = {
        "schema_version": 1,
        "chain_id": conn.chain_id,
        "genesis_hash": conn.genesis_hash,
        "deployed_at": datetime.now(timezone.utc),
        "deployer": Signer.dev(0).address,
        "contracts": {
            "DeviceRegistry": ContractDeployment(
                address=address,
                tx_hash="0x" + "01" * 32,
                block_number=1,
                abi_sha256="0x" + "02" * 32,
                compiler=compiler,
            )
        },
    }
    data.update(kw)
    return Deployment.model_validate(data)


def test_check_deployment(local: Node, thrower_artifact: dict[str, Any]) -> None:
    conn = connect_web3(local.url)
    address = deploy(local, thrower_artifact, Signer.dev(0))
    conn.check_deployment(_deployment(conn, address))
    empty = Signer.dev(5).address  # an account, no code
    with pytest.raises(WrongChainError) as info:
        conn.check_deployment(_deployment(conn, empty))
    assert info.value.kind == "code" and info.value.address == empty
    conn.check_deployment(_deployment(conn, empty), check_code=False)
    with pytest.raises(WrongChainError) as restarted:
        conn.check_deployment(_deployment(conn, address, genesis_hash="0x" + "ee" * 32))
    assert restarted.value.kind == "genesis_hash" and "restarted" in str(restarted.value)


def test_dev_accounts_refused_on_chain_id_1(mainnet_like: Node) -> None:
    conn = connect_web3(mainnet_like.url)
    assert conn.chain_id == 1 and not conn.is_local
    with pytest.raises(AccountError, match="development account"):
        conn.sender(Signer.dev(0))
    # also when the sender is built by hand: checked before anything is sent
    sender = TransactionSender(mainnet_like.w3, Signer.dev(3), poll_interval=0.02)
    with pytest.raises(AccountError):
        sender.send({"to": Signer.dev(1).address, "value": 1})
    assert mainnet_like.w3.eth.get_transaction_count(Signer.dev(3).address) == 0  # type: ignore[arg-type]
    # a real key works on the same chain
    own = Signer.generate()
    mainnet_like.rpc("anvil_setBalance", [own.address, hex(10**18)])
    receipt = conn.sender(own, poll_interval=0.02).send({"to": Signer.dev(1).address, "value": 1})
    assert receipt.status == 1


def test_chain_error_for_unexpected_node_errors(
    local: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = connect_web3(local.url)

    def broken() -> int:
        raise ValueError("weird")

    monkeypatch.setattr(type(conn.w3.eth), "block_number", property(lambda self: broken()))
    with pytest.raises(ChainError, match="weird"):
        conn.block_number()
