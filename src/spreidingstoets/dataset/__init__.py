"""BAG dataset: readers, compiled store, indexes and address search."""
