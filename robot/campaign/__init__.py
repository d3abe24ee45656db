"""Outbound campaigns: contacts validation, dialing rules, the store and the paced runner.

The live call path implements `Dialer` (robot.campaign.runner) and is handed to `CampaignRunner`.
"""

from robot.campaign.runner import AttemptRequest, CallOutcome, CampaignRunner, ContactRef, Dialer, RunPolicy

__all__ = ["AttemptRequest", "CallOutcome", "CampaignRunner", "ContactRef", "Dialer", "RunPolicy"]
