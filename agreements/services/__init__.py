"""Every write to the domain lives in this package, one function per act."""
