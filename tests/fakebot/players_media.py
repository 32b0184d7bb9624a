"""Playing users who send media: photos, documents, stickers, voice, video, locations, contacts."""

from __future__ import annotations

from typing import Any

from tests.fakebot.players import Players


class MediaPlayers(Players):
    """Users who send more than text; `where`: chat_id, message_thread_id, first_name."""

    def _file(self, data: bytes, folder: str, name: str) -> dict[str, Any]:
        stored = self.world.store_file(data, folder, name)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(data),
        }

    async def user_sends_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        data: bytes = b"\xff\xd8photo",
        **where: Any,
    ) -> dict[str, Any]:
        """A photo (one size) with an optional caption."""
        content: dict[str, Any] = {
            "photo": [{**self._file(data, "photos", "photo.jpg"), "width": 640, "height": 480}]
        }
        if caption is not None:
            content["caption"] = caption
        return await self._media(user_id, content, where)

    async def user_sends_document(
        self,
        user_id: int,
        *,
        file_name: str = "notes.pdf",
        data: bytes = b"%PDF-1.4",
        caption: str | None = None,
        **where: Any,
    ) -> dict[str, Any]:
        """A document with a file name and an optional caption."""
        document = {
            **self._file(data, "documents", file_name),
            "file_name": file_name,
            "mime_type": "application/pdf",
        }
        content: dict[str, Any] = {"document": document}
        if caption is not None:
            content["caption"] = caption
        return await self._media(user_id, content, where)

    async def user_sends_sticker(
        self, user_id: int, *, emoji: str = "🙂", **where: Any
    ) -> dict[str, Any]:
        """A regular sticker."""
        sticker = {
            **self._file(b"webp", "stickers", "sticker.webp"),
            "type": "regular",
            "width": 512,
            "height": 512,
        }
        sticker.update(is_animated=False, is_video=False, emoji=emoji)
        return await self._media(user_id, {"sticker": sticker}, where)

    async def user_sends_voice(
        self, user_id: int, *, duration: int = 3, **where: Any
    ) -> dict[str, Any]:
        """A voice note."""
        voice = {
            **self._file(b"OggS", "voice", "voice.ogg"),
            "duration": duration,
            "mime_type": "audio/ogg",
        }
        return await self._media(user_id, {"voice": voice}, where)

    async def user_sends_video(
        self, user_id: int, *, duration: int = 5, **where: Any
    ) -> dict[str, Any]:
        """A video."""
        video = {
            **self._file(b"mp4", "videos", "video.mp4"),
            "width": 640,
            "height": 360,
            "duration": duration,
        }
        return await self._media(user_id, {"video": video}, where)

    async def user_sends_location(
        self, user_id: int, latitude: float = 51.5, longitude: float = -0.12, **where: Any
    ) -> dict[str, Any]:
        """A location."""
        return await self._media(
            user_id, {"location": {"latitude": latitude, "longitude": longitude}}, where
        )

    async def user_sends_contact(
        self,
        user_id: int,
        phone_number: str = "+441234567890",
        first_name: str = "Friend",
        **where: Any,
    ) -> dict[str, Any]:
        """A contact card."""
        return await self._media(
            user_id, {"contact": {"phone_number": phone_number, "first_name": first_name}}, where
        )

    async def _media(
        self, user_id: int, content: dict[str, Any], where: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._from_user(
            user_id,
            content,
            first_name=where.get("first_name"),
            chat_id=where.get("chat_id"),
            message_thread_id=where.get("message_thread_id"),
        )
