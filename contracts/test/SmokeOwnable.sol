// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title SmokeOwnable
/// @notice Toolchain smoke test: proves OpenZeppelin imports resolve through the offline solc front.
contract SmokeOwnable is Ownable {
    uint256 private _value;

    event ValueSet(uint256 value);

    constructor() Ownable(msg.sender) {}

    function setValue(uint256 value) external onlyOwner {
        _value = value;
        emit ValueSet(value);
    }

    function value() external view returns (uint256) {
        return _value;
    }
}
