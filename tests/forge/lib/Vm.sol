// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title Vm
/// @notice The few Foundry cheatcodes the invariant campaigns use. forge-std is not published on
///         npm (the only JavaScript registry fabtrust installs from), and forge's cheatcodes need no
///         library: they are calls to this fixed address, answered by forge itself.
interface Vm {
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function warp(uint256 newTimestamp) external;
    function deal(address account, uint256 newBalance) external;
    function assume(bool condition) external;
    function label(address account, string calldata newLabel) external;
    function addr(uint256 privateKey) external pure returns (address);
}

/// @dev `address(uint160(uint256(keccak256("hevm cheat code"))))`, as in forge-std.
Vm constant VM = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
