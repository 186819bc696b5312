from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation

from accounts.models import User
from cohesion import mail


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # No open sign-up: people join through an invitation from a coordinator.
        return False

    def send_mail(self, template_prefix, email, context):
        """allauth's own emails (password reset, sign-in codes) in the account's language, as
        every email of the application: someone who asks signed out may be on a shared
        computer in another language."""
        account = User.objects.filter(email__iexact=email).values_list("language", flat=True)
        if not account.exists():  # no account: the language the page was asked in
            return super().send_mail(template_prefix, email, context)
        with translation.override(mail.recipient_language(account.first())):
            return super().send_mail(template_prefix, email, context)
