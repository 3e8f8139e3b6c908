"""kombu's filesystem transport with atomic message files.

kombu 5.7's filesystem channel creates a message file and then writes it, so
a worker polling the folder can move and read the file while it is still
empty, fail to decode it and stop (the message is lost). This channel writes
each message under a hidden temporary name and renames it into place, which
is atomic on one filesystem, so a reader only ever reads whole messages.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot keeps the temporary file out of the queue's name pattern.
        temporary = os.path.join(self.data_folder_out, f".{name}.tmp")
        try:
            with open(temporary, "wb", buffering=0) as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)
        except OSError as error:
            raise ChannelError(f"Cannot add file {final!r} to directory") from error


class Transport(filesystem.Transport):
    Channel = Channel
