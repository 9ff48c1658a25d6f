from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_LANES = 64


class AuditEvent(models.Model):
    """One append-only, hash-chained event. The database refuses UPDATE and DELETE (triggers).

    Events are chained in **lanes**: each lane is a hash chain of its own with its own head row,
    so concurrent writers append to different lanes instead of queueing for one lock. ``seq``
    counts within a lane; ``id`` is the order events were written in."""

    lane = models.PositiveSmallIntegerField(_("lane"), default=1)
    seq = models.BigIntegerField(_("sequence"))
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
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]
        constraints = [
            models.UniqueConstraint(fields=["lane", "seq"], name="audit_lane_seq_unique"),
            models.UniqueConstraint(fields=["lane", "prev_hash"], name="audit_lane_prev_unique"),
            models.UniqueConstraint(fields=["lane", "hash"], name="audit_lane_hash_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.lane}.{self.seq} {self.action}"

    @property
    def position(self) -> str:
        """Where the event sits in its chain, e.g. ``3.1207`` (lane 3, event 1207)."""
        return f"{self.lane}.{self.seq}"


class AuditHead(models.Model):
    """A lane's head (one row per lane; ``id`` is the lane). A writer locks the head of the lane
    it appends to, so the lane cannot fork, and the head remembers the lane's last sequence and
    hash, so deleting the newest events is detected."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="audit_head_lane_range", condition=models.Q(id__gte=1, id__lte=MAX_LANES)
            )
        ]
