"""Case intake: the patient builds a complete case, step by step, resumable at every step."""

from conversations.intake.flow import build_intake_conversation

__all__ = ["build_intake_conversation"]
