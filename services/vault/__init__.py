"""The media vault: uploads streamed to storage, assets, signed links to their bytes."""
