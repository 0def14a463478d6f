"""Order-processing modules for a Nexomatic Python sink."""
