"""Forms of the company administration pages (M5)."""

from django import forms

from shop.accounts.jp_validators import PostalCodeField

from .models import Member


class InviteForm(forms.Form):
    last_name = forms.CharField(label="姓", max_length=50)
    first_name = forms.CharField(label="名", max_length=50)
    email = forms.EmailField(label="Eメールアドレス")
    department = forms.CharField(label="部署名", max_length=100)
    job_title = forms.CharField(label="役職名", max_length=100, required=False)
    role = forms.ChoiceField(label="権限", choices=[("member", "一般会員"), ("admin", "管理者")], initial="member")
    authority = forms.BooleanField(label="発注権限あり", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-control")


class MemberForm(forms.Form):
    role = forms.ChoiceField(label="権限", choices=[("member", "一般会員"), ("admin", "管理者")])
    authority = forms.BooleanField(label="発注権限あり", required=False)
    route = forms.ChoiceField(
        label="承認ルート",
        choices=[("none", "承認不要"), ("one", "一次承認"), ("two", "一次承認＋二次承認")],
    )
    first_approver = forms.ModelChoiceField(label="一次承認者", queryset=Member.objects.none(), required=False)
    second_approver = forms.ModelChoiceField(label="二次承認者", queryset=Member.objects.none(), required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_approver", "second_approver"):
            self.fields[name].queryset = candidates
            self.fields[name].label_from_instance = lambda m: (
                f"{m.user.last_name} {m.user.first_name}（{m.user.username}）"
            )
            self.fields[name].empty_label = "（なし）"
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-control")


class TwoFactorPolicyForm(forms.Form):
    required = forms.BooleanField(label="全ての会員に2段階認証を必須にする", required=False)


class CompanyAddressForm(forms.Form):
    """The company's registered address (所在地), changed by its administrators (M4)."""

    postcode = PostalCodeField(label="郵便番号")
    address = forms.CharField(
        label="所在地住所",
        max_length=255,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": "所在地住所を入力してください。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["postcode"].widget.attrs.setdefault("class", "form-control")
