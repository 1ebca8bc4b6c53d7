"""The shared pure pieces every app may import: identity numbers, masking, roles, spreadsheets,
i18n and db helpers. core imports no app (``.importlinter``, checked by ``scripts/test``)."""
