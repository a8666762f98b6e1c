"""Predictive customer-lifetime models: BG/NBD, Pareto/NBD, Gamma-Gamma and discounted CLV."""
