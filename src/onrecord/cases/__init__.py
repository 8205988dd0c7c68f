"""Cases and what they hold: parties, accounts, evidence, items and the impact journal."""
