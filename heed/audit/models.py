from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One append-only, hash-chained event. The database refuses UPDATE and DELETE (triggers)."""

    seq = models.BigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor_user_id = models.BigIntegerField(_("actor user id"), null=True, db_index=True)
    actor_api_key_id = models.BigIntegerField(_("actor API key id"), null=True)
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=100, blank=True)
    changes = models.JSONField(_("changed values"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditHead(models.Model):
    """The chain's head (one row). Writers lock it, so concurrent writers cannot fork the chain,
    and it remembers the last sequence and hash, so deleting the newest events is detected."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(name="audit_head_single_row", condition=models.Q(id=1))
        ]
