"""Probability models of customer value, fitted by maximum likelihood with SciPy.

- :mod:`~retention_core.models.bgnbd`: BG/NBD (Fader, Hardie & Lee 2005), repeat purchases
  and P(alive);
- :mod:`~retention_core.models.gamma_gamma`: Gamma-Gamma (Fader, Hardie & Lee 2005; Fader &
  Hardie 2013), spend per purchase;
- :mod:`~retention_core.models.clv`: CLV over a horizon with a discount rate; time units.

Inputs are the standard RFM summary columns ``frequency, recency, T, monetary_value``
(built by :func:`retention_core.metrics.clv.compute_rfm_summary`).
"""

from retention_core.models.bgnbd import BGNBDModel, simulate_bgnbd, simulate_bgnbd_purchases
from retention_core.models.clv import MONTH_DAYS, TIME_UNITS, predict_clv, unit_days
from retention_core.models.gamma_gamma import GammaGammaModel, simulate_gamma_gamma

__all__ = ["BGNBDModel", "GammaGammaModel", "MONTH_DAYS", "TIME_UNITS", "predict_clv",
           "simulate_bgnbd", "simulate_bgnbd_purchases", "simulate_gamma_gamma", "unit_days"]
