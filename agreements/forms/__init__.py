"""Forms by area (accounts, drafting, exchange, signoff, performance), each with its layout."""
