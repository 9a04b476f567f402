// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestStablecoin
/// @notice "Test USD" (tUSD), a 6-decimal ERC-20 for local development chains only. The deployer may
///         mint, and only on chain ids 31337 (Anvil/Hardhat) and 1337 (Ganache), so a copy deployed
///         anywhere else by mistake can never create money. Never part of a production deployment.
contract TestStablecoin is ERC20 {
    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice Minting was attempted on chain `chainId`, which is not a local development chain.
    error MintingDisabled(uint256 chainId);
    /// @notice `caller` is not the deployer, the only account allowed to mint.
    error UnauthorizedMinter(address caller);

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    address private immutable _minter;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    constructor() ERC20("Test USD", "tUSD") {
        _minter = msg.sender;
    }

    /*//////////////////////////////////////////////////////////////
                           EXTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Mints `amount` (6 decimals) to `to`. Deployer only, development chains only.
    function mint(address to, uint256 amount) external {
        if (block.chainid != 31337 && block.chainid != 1337) revert MintingDisabled(block.chainid);
        if (msg.sender != _minter) revert UnauthorizedMinter(msg.sender);
        _mint(to, amount);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice The deployer, the only account allowed to mint.
    function minter() external view returns (address) {
        return _minter;
    }

    /// @notice 6, like the USD stablecoins it stands in for.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
