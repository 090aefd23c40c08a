"""Measure scenarios: plan the order, execute commands, turn executions into samples."""
