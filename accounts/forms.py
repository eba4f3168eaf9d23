from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.validators import MaxLengthValidator

from accounts.models import NotificationPreference
from svd_portal.lib.forms import GovukForm, GovukFormMixin

ROLE_CHOICES = [
    ("is_caseworker", "Caseworker: files and works referrals"),
    ("is_coordinator", "MARAC or pathway coordinator: accepts referrals, runs meetings"),
    ("is_manager", "Manager: reads cases and reports"),
    ("is_agency_admin", "Agency administrator: manages this agency's members"),
]


class LoginForm(GovukFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct email address and password",
        "inactive": "This account is not active. Speak to your agency administrator",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "username"})
        self.fields["username"].max_length = 254
        # AuthenticationForm sets max_length after the field is built, so nothing would enforce it: a longer
        # value would reach authenticate() and the lockout table (255 characters) and fail there.
        self.fields["username"].validators.append(MaxLengthValidator(254))
        self.fields["username"].error_messages["max_length"] = "Email address must be 254 characters or fewer"
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class TokenForm(GovukForm):
    token = forms.CharField(
        label="Security code",
        max_length=8,
        min_length=6,
        help_text="The 6-digit code from your authenticator app, or one of your 8-digit backup codes",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "data-width": "10"}
        )
        self.fields["token"].error_messages["required"] = "Enter the security code"
        self.fields["token"].error_messages["min_length"] = "The security code must be at least 6 digits"

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())
        if not token.isdigit():
            raise forms.ValidationError("The security code must only include numbers")
        return token


class EnrolForm(TokenForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].help_text = "Enter the 6-digit code your authenticator app shows"
        self.fields["token"].max_length = 6


class MemberForm(GovukForm):
    full_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(label="Email address", max_length=254)
    job_title = forms.CharField(label="Job title", max_length=150, required=False)
    roles = forms.MultipleChoiceField(label="Roles", choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].error_messages["required"] = "Select at least one role"
        if editing:
            del self.fields["email"]

    def role_flags(self) -> dict[str, bool]:
        chosen = set(self.cleaned_data.get("roles") or [])
        return {name: name in chosen for name, _ in ROLE_CHOICES}


class PreferencesForm(GovukForm):
    notification_preference = forms.ChoiceField(
        label="How would you like to get reminder emails?",
        choices=NotificationPreference.choices,
        widget=forms.RadioSelect,
    )


class GovukPasswordResetForm(GovukFormMixin, PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["email"].error_messages["required"] = "Enter your email address"
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.gov.uk"
        )


class GovukSetPasswordForm(GovukFormMixin, SetPasswordForm):
    pass


class InvitablePasswordResetForm(GovukPasswordResetForm):
    """New members have no password yet: the reset link is also how they set their first one."""

    def get_users(self, email):
        from accounts.models import User

        return (u for u in User.objects.filter(email__iexact=email, is_active=True))
