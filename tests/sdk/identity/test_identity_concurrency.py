"""Many threads registering at once: through one client (one nonce manager) and through eight
clients of the same signer (eight nonce managers racing for the same nonces)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fabtrust.accounts import Signer
from fabtrust.identity import DeviceSpec

THREADS = 8
PER_THREAD = 5
KEY = Signer.dev(8).address


def run_threads(work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def body(index: int) -> None:
        try:
            start.wait(10)
            work(index)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def check_registered_once(
    client: Any, serials: list[str], counts: Callable[[Any], dict[int, int]]
) -> None:
    found = counts(client)
    ids = {client.devices.id_of(serial=s) for s in serials}
    assert len(ids) == len(serials)
    assert {i: found.get(i) for i in ids} == dict.fromkeys(ids, 1)
    assert sum(found.values()) == len(serials)  # nothing else was registered


def test_threads_share_one_client(maker: Any, registered_counts: Any) -> None:
    results: dict[str, int] = {}
    lock = threading.Lock()

    def work(index: int) -> None:
        for j in range(PER_THREAD):
            serial = f"T{index}-{j}"
            reg = maker.devices.register(serial=serial, model="HM-200", device_key=KEY)
            with lock:
                results[serial] = reg.tx.block_number

    assert run_threads(work) == []
    serials = [f"T{i}-{j}" for i in range(THREADS) for j in range(PER_THREAD)]
    assert sorted(results) == sorted(serials)
    check_registered_once(maker, serials, registered_counts)
    nonce = maker.chain.w3.eth.get_transaction_count(Signer.dev(1).address)
    assert maker.chain.sender.nonces.peek(Signer.dev(1).address) == nonce


def clients_sharing_nonces(fresh_chain: Any, index: int) -> list[Any]:
    """Eight separate clients (own connection, sender, binding) of dev:index whose senders share
    one NonceManager, as TransactionSender(nonces=...) allows."""
    from fabtrust._binding import Binding
    from fabtrust.chain import NonceManager, connect_web3
    from fabtrust.client import Fabtrust
    from fabtrust.deployments import load_deployment

    clients = []
    shared: NonceManager | None = None
    for _ in range(THREADS):
        connection = connect_web3(fresh_chain.rpc_url)
        deployment = load_deployment(fresh_chain.deployments, chain_id=connection.chain_id)
        shared = shared or NonceManager(connection.w3)
        sender = connection.sender(Signer.dev(index), nonces=shared)
        clients.append(Fabtrust(Binding(connection, deployment, sender=sender)))
    return clients


def test_eight_clients_of_one_signer(fresh_chain: Any, registered_counts: Any) -> None:
    clients = clients_sharing_nonces(fresh_chain, 1)
    assert len({id(c.chain) for c in clients}) == THREADS

    def work(index: int) -> None:
        for j in range(PER_THREAD):
            clients[index].devices.register(serial=f"C{index}-{j}", model="m", device_key=KEY)

    assert run_threads(work) == []
    serials = [f"C{i}-{j}" for i in range(THREADS) for j in range(PER_THREAD)]
    check_registered_once(clients[0], serials, registered_counts)


def test_eight_independent_connects_of_one_signer(client_for: Any, registered_counts: Any) -> None:
    clients = [client_for(1) for _ in range(THREADS)]
    # Eight connect() calls, one nonce counter per signer and chain in the process.
    assert len({id(c.chain.sender.nonces) for c in clients}) == 1

    def work(index: int) -> None:
        for j in range(PER_THREAD):
            clients[index].devices.register(serial=f"C{index}-{j}", model="m", device_key=KEY)

    assert run_threads(work) == []
    serials = [f"C{i}-{j}" for i in range(THREADS) for j in range(PER_THREAD)]
    check_registered_once(clients[0], serials, registered_counts)


def test_threads_run_overlapping_batches(fresh_chain: Any, registered_counts: Any) -> None:
    """Eight MES workers push overlapping batches: each device is registered exactly once and
    every worker's result accounts for all of its devices."""
    clients = clients_sharing_nonces(fresh_chain, 1)
    everything = [DeviceSpec(serial=f"OV-{i:03d}", model="m", device_key=KEY) for i in range(40)]
    outcomes: dict[int, Any] = {}

    def work(index: int) -> None:
        window = everything[index * 4 : index * 4 + 12]  # overlaps its neighbours
        outcomes[index] = clients[index].devices.register_many(devices=window, chunk_size=3)

    assert run_threads(work) == []
    for index, result in outcomes.items():
        assert result.total == len(everything[index * 4 : index * 4 + 12])
    registered_by_someone = [o.serial for result in outcomes.values() for o in result.registered]
    assert len(registered_by_someone) == len(set(registered_by_someone))
    covered = {s.serial for s in everything[: (THREADS - 1) * 4 + 12]}
    assert set(registered_by_someone) == covered
    check_registered_once(clients[0], sorted(covered), registered_counts)
