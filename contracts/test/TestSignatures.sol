// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title TestSignatures
/// @notice Test-only: exposes OpenZeppelin 5.0.2's ECDSA and SignatureChecker, the rules the
///         registries apply to device and lab signatures, so that the SDK's verifier can be held
///         to the same answers (tests/vectors/signatures.json).
contract TestSignatures {
    /// @notice The signer of `hash` by ECDSA.tryRecover, and the error it reports (0 = none,
    ///         1 = InvalidSignature, 2 = InvalidSignatureLength, 3 = InvalidSignatureS).
    function tryRecover(bytes32 hash, bytes calldata signature) external pure returns (address signer, uint8 error) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return (recovered, uint8(err));
    }

    /// @notice SignatureChecker.isValidSignatureNow: ECDSA for an account, ERC-1271 for a contract.
    function isValidSignatureNow(address signer, bytes32 hash, bytes calldata signature) external view returns (bool) {
        return SignatureChecker.isValidSignatureNow(signer, hash, signature);
    }
}

/// @title TestERC1271Wallet
/// @notice Test-only ERC-1271 wallet: accepts a signature of its owner's key when `accepting`,
///         refuses every signature otherwise.
contract TestERC1271Wallet {
    address public immutable owner;
    bool public immutable accepting;

    constructor(address owner_, bool accepting_) {
        owner = owner_;
        accepting = accepting_;
    }

    /// @notice ERC-1271: the magic value 0x1626ba7e when `owner` signed `hash` and the wallet
    ///         accepts signatures, 0xffffffff otherwise.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        if (accepting && err == ECDSA.RecoverError.NoError && recovered == owner) {
            return 0x1626ba7e;
        }
        return 0xffffffff;
    }
}
