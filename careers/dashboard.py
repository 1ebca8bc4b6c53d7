"""The 中高级 share on the dashboard (``workforce.registry``): the functions of
``careers.selectors`` wrapped as the registry's ``CallableMeasure``, with two differences — the
target is the scope's own (approved 高级 + 一级 posts / 在编 专任教师, a count that adds up over
schools: ``target_posts``), not a plan indicator's, and the measure is a card of its own rather
than a column of the overview table (that table holds the plan's indicators and has no room left
at 1,280 px in English)."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from workforce import measures as ms
from workforce import registry

from . import selectors


class PostStructureMeasure(registry.CallableMeasure):
    def columns(self, data):
        return []

    def result(self, counts, targets, ctx):
        out = super().result(counts, targets, ctx)
        teachers = (counts or {}).get("teachers") or 0
        if not out.figures or not teachers:
            return out
        posts = counts.get("target_posts") or 0
        judged = ms.ratio_with_target(counts.get("complete") or 0, teachers,
                                      Decimal(posts) * 100 / Decimal(teachers) if posts else None)
        figure = dataclasses.replace(out.figures[0], target=judged.target, met=judged.met, gap=judged.gap)
        part = dict(out.json.get(self.key) or {})
        part.update(target=judged.target, met=judged.met, gap=judged.gap)
        return registry.Result([figure], {**out.json, self.key: part})


def post_structure_measure() -> PostStructureMeasure:
    """The 中高级 share as the dashboard's measure object (registered from ``CareersConfig.ready``)."""
    return PostStructureMeasure("post_structure", selectors.post_structure_measure, label="中高级岗位教师占比",
                                by_group=selectors.post_structure_by_group)
