"""Risk targeting: common risk profiles, explained consignment scores, a learned model trained on
control feedback, and pattern rules that raise alert candidates.

Evidence (:mod:`.evidence`) is read from the graph by :mod:`.sources` — under a caller's
visibility for the API, or the system's for batch work — and scored by the pure rules scorer
(:mod:`.scoring`) with the RMWG's profiles (:mod:`.profiles`, maintained through
:mod:`.registry`). :mod:`.model` and :mod:`.evaluation` learn from control results and measure
hit rates; :mod:`.patterns` raises candidates for analysts to review.
"""
