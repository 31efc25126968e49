"""One router per topic; app.main includes them."""
