from django.core.management.base import BaseCommand, CommandError

from zhudai.audit.choices import Action
from zhudai.audit.services import record
from zhudai.core.context import acting
from zhudai.security.crypto import DecryptionError, cipher
from zhudai.security.rotation import rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt all personal data with the newest key in ZHUDAI_FIELD_KEYS. Put the new key first, "
        "keep the old ones listed, run this, then remove the old keys. --reindex also rebuilds the "
        "blind indexes after ZHUDAI_INDEX_KEY changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reindex", action="store_true", help="rebuild blind indexes with the current index key")

    def handle(self, *args, reindex=False, **options):
        self.stdout.write(f"当前加密密钥: {cipher().current_id}")
        try:
            with acting(None, label="cli:rotate-keys"):
                counts = rotate(reindex=reindex)
                record(Action.KEY_ROTATION, object_type="system", object_repr="rotate-keys",
                       extra={"key_id": cipher().current_id, "reindex": reindex, "counts": counts})
        except DecryptionError as exc:
            raise CommandError(f"有数据无法解密（{exc}）：请确认旧密钥仍在 ZHUDAI_FIELD_KEYS 中。") from None
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
        self.stdout.write(self.style.SUCCESS(f"完成，共重写 {sum(counts.values())} 个值。"))
