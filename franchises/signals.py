from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from franchises.models import Membership
from franchises.roles import user_admin_access_sync


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender, instance, **kwargs):
    user_admin_access_sync(instance.user)
