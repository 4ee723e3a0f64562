"""spreidingstoets: test housing-spread rules for room letting and labour-migrant housing on BAG data."""

__version__ = "0.2.0"
