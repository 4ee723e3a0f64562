"""The permit register: a database of permits and known cases per BAG verblijfsobject."""
