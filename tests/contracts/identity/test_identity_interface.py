"""Deployment, ERC-165, roles and the frozen public ABI (buyers' tools and indexers depend on it)."""

from brownie import DeviceRegistry, interface, web3
from eth_utils import keccak
from identity_helpers import (
    DEFAULT_ADMIN_ROLE,
    MANUFACTURER_ROLE,
    ZERO,
    assert_events,
    assert_reverts,
    err,
    revert_data_or_none,
    unauthorized,
)


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def xor_id(signatures):
    value = 0
    for sig in signatures:
        value ^= int.from_bytes(selector(sig), "big")
    return value.to_bytes(4, "big")


OWN_FUNCTIONS = [
    "registerDevice(string,bytes32,address,bytes32,address)",
    "registerDeviceWithProof(string,bytes32,address,bytes32,address,bytes)",
    "registerDevices((string,bytes32,address,bytes32,address)[])",
    "setDeviceStatus(uint256,uint8)",
    "rotateDeviceKey(uint256,address)",
    "rotateDeviceKeyWithProof(uint256,address,bytes)",
    "proveDeviceKey(uint256,bytes)",
    "deviceIdOf(address,string)",
    "device(uint256)",
    "isRegistered(uint256)",
    "statusOf(uint256)",
    "statusesOf(uint256[])",
    "DEVICE_KEY_PROOF_TYPEHASH()",
    "keyProofDigest(address,uint256,address)",
    "lockDevices(address,uint256[])",
    "unlockDevices(uint256[])",
    "transferLocked(address,address,uint256[])",
    "LOCKER_ROLE()",
    "lockerOf(uint256)",
]

EVENTS = {
    "DeviceRegistered(uint256,address,address,string,bytes32,address,bytes32)",
    "DeviceStatusChanged(uint256,uint8,uint8,address)",
    "DeviceKeyRotated(uint256,address,address)",
    "DeviceKeyProven(uint256,address)",
    "DevicesLocked(address,address,uint256[])",
    "DevicesUnlocked(address,uint256[])",
}

ERRORS = {
    "ZeroAdmin()",
    "DeviceAlreadyRegistered(uint256)",
    "EmptySerial()",
    "ZeroOwner()",
    "ZeroDeviceKey()",
    "InvalidKeyProof(address)",
    "EmptyBatch()",
    "DeviceNotFound(uint256)",
    "NotDeviceManager(uint256,address)",
    "NotDeviceManufacturer(uint256,address)",
    "DeviceIsDecommissioned(uint256)",
    "StatusUnchanged(uint256,uint8)",
    "DeviceKeyUnchanged(uint256,address)",
    "DeviceKeyAlreadyProven(uint256)",
    "NotLocker(address)",
    "NotApprovedOperator(address,address)",
    "DeviceNotOwnedBy(uint256,address,address)",
    "DeviceLocked(uint256,address)",
    "NotDeviceLocker(uint256,address)",
    "AccountIdsExhausted()",
    "LockerIndexesExhausted()",
}


def _signature(item):
    def kind(param):
        if param["type"].startswith("tuple"):
            return "(" + ",".join(kind(c) for c in param["components"]) + ")" + param["type"][5:]
        return param["type"]

    return f"{item['name']}({','.join(kind(p) for p in item['inputs'])})"


def test_interface_abi_is_frozen():
    abi = interface.IDeviceRegistry.abi
    own = {_signature(i) for i in abi if i["type"] == "function"} - {
        "balanceOf(address)",
        "ownerOf(uint256)",
        "safeTransferFrom(address,address,uint256)",
        "safeTransferFrom(address,address,uint256,bytes)",
        "transferFrom(address,address,uint256)",
        "approve(address,uint256)",
        "setApprovalForAll(address,bool)",
        "getApproved(uint256)",
        "isApprovedForAll(address,address)",
        "supportsInterface(bytes4)",
        "version()",  # inherited from IVersioned
    }
    assert own == set(OWN_FUNCTIONS)
    own_events = {_signature(i) for i in abi if i["type"] == "event"} - {
        "Transfer(address,address,uint256)",
        "Approval(address,address,uint256)",
        "ApprovalForAll(address,address,bool)",
    }
    assert own_events == EVENTS
    assert {_signature(i) for i in abi if i["type"] == "error"} == ERRORS


def test_device_registered_event_exact_shape():
    event = next(
        i
        for i in interface.IDeviceRegistry.abi
        if i["type"] == "event" and i["name"] == "DeviceRegistered"
    )
    assert [(p["name"], p["type"], p["indexed"]) for p in event["inputs"]] == [
        ("deviceId", "uint256", True),
        ("manufacturer", "address", True),
        ("owner", "address", True),
        ("serial", "string", False),
        ("model", "bytes32", False),
        ("deviceKey", "address", False),
        ("metadataHash", "bytes32", False),
    ]


def test_device_struct_shape():
    fn = next(i for i in interface.IDeviceRegistry.abi if i.get("name") == "device")
    assert [(c["name"], c["type"]) for c in fn["outputs"][0]["components"]] == [
        ("manufacturer", "address"),
        ("registeredAt", "uint64"),
        ("status", "uint8"),
        ("keyProven", "bool"),
        ("deviceKey", "address"),
    ]
    assert fn["stateMutability"] == "view"


def test_deployment(devices, admin, manufacturer, outsider):
    assert devices.name() == "fabtrust Device"
    assert devices.symbol() == "FTDEV"
    assert devices.hasRole(DEFAULT_ADMIN_ROLE, admin)
    assert devices.hasRole(MANUFACTURER_ROLE, manufacturer)
    assert not devices.hasRole(DEFAULT_ADMIN_ROLE, outsider)
    assert devices.getRoleAdmin(MANUFACTURER_ROLE) == "0x" + DEFAULT_ADMIN_ROLE.hex()


def test_constructor_emits_role_granted(admin, outsider):
    registry = DeviceRegistry.deploy(outsider, {"from": admin})
    assert_events(
        registry.tx,
        [("RoleGranted", {"role": DEFAULT_ADMIN_ROLE, "account": outsider, "sender": admin})],
        emitter=registry,
    )
    assert registry.hasRole(DEFAULT_ADMIN_ROLE, outsider)
    assert not registry.hasRole(DEFAULT_ADMIN_ROLE, admin)


def test_constructor_rejects_zero_admin(admin):
    data = DeviceRegistry.deploy.encode_input(ZERO)

    try:
        web3.eth.call({"from": admin.address, "data": data})
    except Exception as exc:
        assert revert_data_or_none(exc) == err("ZeroAdmin()")
    else:
        raise AssertionError("deployment with the zero admin did not revert")


def test_supports_interface(devices):
    own = xor_id(OWN_FUNCTIONS)
    assert devices.supportsInterface(own)
    assert devices.supportsInterface("0x80ac58cd")  # ERC-721
    assert devices.supportsInterface("0x5b5e139f")  # ERC-721 metadata
    assert devices.supportsInterface("0x01ffc9a7")  # ERC-165
    assert devices.supportsInterface("0x7965db0b")  # IAccessControl
    assert not devices.supportsInterface("0x780e9d63")  # ERC-721 enumerable: not implemented
    assert not devices.supportsInterface("0xffffffff")
    assert not devices.supportsInterface("0x12345678")


def test_only_admin_grants_manufacturer_role(devices, manufacturer, outsider, admin):
    assert_reverts(
        devices.grantRole,
        MANUFACTURER_ROLE,
        outsider,
        sender=manufacturer,
        error=unauthorized(manufacturer, DEFAULT_ADMIN_ROLE),
    )
    assert_reverts(
        devices.revokeRole,
        MANUFACTURER_ROLE,
        manufacturer,
        sender=outsider,
        error=unauthorized(outsider, DEFAULT_ADMIN_ROLE),
    )
    tx = devices.grantRole(MANUFACTURER_ROLE, outsider, {"from": admin})
    assert_events(
        tx, [("RoleGranted", {"role": MANUFACTURER_ROLE, "account": outsider, "sender": admin})]
    )
