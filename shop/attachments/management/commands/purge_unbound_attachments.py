"""Daily: remove application documents uploaded at a checkout that was never completed (O3)."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from shop.attachments import services


class Command(BaseCommand):
    help = "注文に紐づかなかった申請書類（指定時間より古いもの）を削除します。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=int, default=48, help="この時間より前にアップロードされたものを削除（既定48）"
        )

    def handle(self, *args, hours, **options):
        count = services.purge_unbound(older_than=timezone.now() - timedelta(hours=hours))
        self.stdout.write(f"{count}件の申請書類を削除しました。")
