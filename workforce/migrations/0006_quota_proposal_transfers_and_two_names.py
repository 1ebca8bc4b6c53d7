"""Issue 14 (quota): a proposal records who proposed it and who accepted it (or discarded it),
whether the author accepted it after confirming, what stays in the pool and why; its lines carry
the transfers within a district; its steps are the table that explains it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def discarded_apart(apps, schema_editor):
    """``decided_by`` / ``decided_at`` held both decisions: a discard moves to its own fields."""
    Proposal = apps.get_model("workforce", "QuotaProposal")
    for proposal in Proposal.objects.filter(status="discarded"):
        proposal.discarded_by_id, proposal.discarded_at = proposal.accepted_by_id, proposal.accepted_at
        proposal.accepted_by_id = proposal.accepted_at = None
        proposal.save(update_fields=["discarded_by", "discarded_at", "accepted_by", "accepted_at"])


def discarded_back(apps, schema_editor):
    Proposal = apps.get_model("workforce", "QuotaProposal")
    for proposal in Proposal.objects.filter(status="discarded"):
        proposal.accepted_by_id, proposal.accepted_at = proposal.discarded_by_id, proposal.discarded_at
        proposal.save(update_fields=["accepted_by", "accepted_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("workforce", "0005_remove_exchange_as_backbone"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="quotaproposalline", name="proposal_line_not_above_shortage"),
        # the proposal: two names, the leftover and its reason
        migrations.RenameField(model_name="quotaproposal", old_name="created_by", new_name="proposed_by"),
        migrations.RenameField(model_name="quotaproposal", old_name="decided_by", new_name="accepted_by"),
        migrations.RenameField(model_name="quotaproposal", old_name="decided_at", new_name="accepted_at"),
        migrations.AlterField(
            model_name="quotaproposal", name="proposed_by",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                    to=settings.AUTH_USER_MODEL, verbose_name="提出人"),
        ),
        migrations.AlterField(
            model_name="quotaproposal", name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="提出时间"),
        ),
        migrations.AlterField(
            model_name="quotaproposal", name="accepted_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                    to=settings.AUTH_USER_MODEL, verbose_name="采纳人"),
        ),
        migrations.AlterField(
            model_name="quotaproposal", name="accepted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="采纳时间"),
        ),
        migrations.AddField(
            model_name="quotaproposal", name="self_accepted",
            field=models.BooleanField(default=False, help_text="提出人本人确认后采纳（无第二人复核）", verbose_name="本人提出并采纳"),
        ),
        migrations.AddField(
            model_name="quotaproposal", name="discarded_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                    to=settings.AUTH_USER_MODEL, verbose_name="放弃人"),
        ),
        migrations.AddField(
            model_name="quotaproposal", name="discarded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="放弃时间"),
        ),
        migrations.AddField(
            model_name="quotaproposal", name="leftover",
            field=models.PositiveIntegerField(default=0, verbose_name="周转编制剩余"),
        ),
        migrations.AddField(
            model_name="quotaproposal", name="leftover_reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="剩余原因"),
        ),
        migrations.RunPython(discarded_apart, discarded_back),
        migrations.AddConstraint(
            model_name="quotaproposal",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "accepted"), _negated=True) | models.Q(("accepted_at__isnull", False)),
                name="proposal_accepted_has_time", violation_error_message="已采纳的方案须有采纳时间。",
            ),
        ),
        migrations.AddConstraint(
            model_name="quotaproposal",
            constraint=models.CheckConstraint(
                condition=models.Q(("self_accepted", False)) | models.Q(("accepted_by", models.F("proposed_by"))),
                name="proposal_self_accepted_by_author", violation_error_message="“本人提出并采纳”须由提出人本人采纳。",
            ),
        ),
        # the lines: transfers within a district beside the pool's posts
        migrations.RemoveField(model_name="quotaproposalline", name="is_donor"),
        migrations.AddField(
            model_name="quotaproposalline", name="transfer_in",
            field=models.IntegerField(default=0, verbose_name="区县内调入"),
        ),
        migrations.AddField(
            model_name="quotaproposalline", name="transfer_out",
            field=models.IntegerField(default=0, verbose_name="区县内调出"),
        ),
        migrations.AlterField(
            model_name="quotaproposalline", name="shortage",
            field=models.IntegerField(default=0, verbose_name="编制缺口"),
        ),
        migrations.AlterField(
            model_name="quotaproposalline", name="surplus",
            field=models.IntegerField(default=0, verbose_name="编制富余"),
        ),
        migrations.AlterField(
            model_name="quotaproposalline", name="allocated",
            field=models.IntegerField(default=0, verbose_name="周转编制分配数"),
        ),
        migrations.AddConstraint(
            model_name="quotaproposalline",
            constraint=models.CheckConstraint(
                condition=models.Q(("allocated__gte", 0), ("transfer_in__gte", 0))
                & models.Q(("allocated__lte", models.F("shortage") - models.F("transfer_in"))),
                name="proposal_line_not_above_shortage", violation_error_message="调入与分配之和不能超过编制缺口。",
            ),
        ),
        migrations.AddConstraint(
            model_name="quotaproposalline",
            constraint=models.CheckConstraint(
                condition=models.Q(("transfer_out__gte", 0), ("transfer_out__lte", models.F("surplus"))),
                name="proposal_line_not_above_surplus", violation_error_message="调出数不能超过编制富余。",
            ),
        ),
        # the steps: the table that explains a proposal
        migrations.CreateModel(
            name="QuotaProposalStep",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("order", models.PositiveIntegerField(verbose_name="序号")),
                ("kind", models.CharField(choices=[("district_transfer", "区县内调剂（合计）"), ("transfer", "区县内调剂"),
                                                   ("pool_district", "周转编制分到区县"), ("pool_school", "区县分到学校"),
                                                   ("leftover", "周转编制剩余")], max_length=20, verbose_name="步骤")),
                ("source", models.CharField(max_length=120, verbose_name="调出方")),
                ("target", models.CharField(max_length=120, verbose_name="调入方")),
                ("posts", models.PositiveIntegerField(verbose_name="编制数")),
                ("explanation", models.TextField(blank=True, verbose_name="说明")),
                ("district", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                               to="workforce.district", verbose_name="区县")),
                ("proposal", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="steps",
                                               to="workforce.quotaproposal", verbose_name="方案")),
            ],
            options={
                "verbose_name": "调剂步骤", "verbose_name_plural": "调剂步骤", "ordering": ["proposal", "order"],
                "constraints": [models.UniqueConstraint(fields=("proposal", "order"), name="proposal_step_order_unique")],
            },
        ),
    ]
