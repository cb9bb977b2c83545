"""Demo data for a fresh installation: two teams, their people and realistic agreements."""
