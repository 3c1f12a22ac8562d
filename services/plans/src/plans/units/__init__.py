"""The unit registry: provinces, communes/wards, agencies and offices."""
