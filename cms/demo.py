"""Demo CMS pages (S2): the home page and the guide and FAQ pages the header links to.

Idempotent: pages key on their slug under the home page; the home page
replaces Wagtail's welcome page once.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sites.models import Site as DjangoSite
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from .models import HomePage, StandardPage

HOME = {
    "title": "ホーム",
    "hero_title": "法人のIT購買を、見積から承認・発注までひとつに。",
    "hero_text": "セキュリティ対策ソフトからクラウドサービス、ネットワーク機器まで。\n"
    "税抜価格で比べて、その場で見積書を作成し、社内承認を経て請求書払いで発注できます。",
}
PAGES = [
    (
        "guide",
        "ご利用ガイド",
        "はじめての方へ：会員登録からご注文までの流れです。",
        "<h2>1. 法人会員登録</h2><p>「新規会員登録」から法人名・ご担当者・発注権限者の情報をお送りください。"
        "当店で内容を確認し、通常3営業日以内に審査結果をメールでお知らせします。登録料・年会費はかかりません。</p>"
        "<h2>2. 商品を探す</h2><p>ページ上部の検索ボックスに、メーカ名・商品名・商品コード・キーワードを入力してEnterキーを押してください。"
        "全角・半角のどちらでも検索できます。</p>"
        "<h2>3. 見積・承認・発注</h2><p>カートから見積書を作成できます（有効期限7日間）。"
        "社内の承認ルートを設定している場合は、承認者の承認後に発注が確定します。</p>"
        "<h2>4. お支払い</h2><p>請求書払い（掛け払い）またはクレジットカードをご利用いただけます。表示価格はすべて税抜です。</p>",
    ),
    (
        "faq",
        "よくあるご質問",
        "お問い合わせの多いご質問をまとめました。",
        "<h2>会員登録について</h2><h3>個人でも登録できますか？</h3><p>当店は法人・団体様専用です。個人事業主の方は屋号でお申し込みください。</p>"
        "<h2>商品・見積について</h2><h3>見積書の有効期限は？</h3><p>発行から7日間です。期限切れの見積は「再見積」で最新価格の見積を作成できます。</p>"
        "<h2>注文について</h2><h3>注文後にキャンセルできますか？</h3><p>ライセンスの性質上、確定後のキャンセルはお受けしておりません。お問い合わせください。</p>"
        "<h2>お支払いについて</h2><h3>消費税の計算方法は？</h3><p>書類ごとに税率別の合計額へ10%を掛け、1円未満を切り捨てます。</p>",
    ),
]


def _ensure_root() -> Page:
    """Wagtail's tree root (made by a migration; recreated after a test flush)."""
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    return Page.get_first_root_node() or Page.add_root(title="Root", slug="root")


def ensure_pages() -> HomePage:
    root = _ensure_root()
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(slug="home-kobai", **HOME)
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=settings.SHOP_NAME
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = settings.SHOP_NAME
        site.save()
    # Wagtail's welcome page is no longer reachable; remove it.
    for page in root.get_children().exclude(pk=home.pk):
        if page.specific_class is Page:
            page.delete()
    for slug, title, intro, body in PAGES:
        if not StandardPage.objects.child_of(home).filter(slug=slug).exists():
            page = StandardPage(slug=slug, title=title, intro=intro, body=body)
            home.add_child(instance=page)
            page.save_revision().publish()
    DjangoSite.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": "127.0.0.1:8000", "name": settings.SHOP_NAME}
    )
    return home
