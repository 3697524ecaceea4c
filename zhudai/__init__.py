"""zhudai: customer management and loan process system for loan-brokerage firms."""
