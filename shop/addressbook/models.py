"""Company delivery addresses (M8)."""
