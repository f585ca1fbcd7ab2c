"""Labels (render only), routing-guide rules (data + pure checks), chargebacks and readiness."""
