"""The descriptor set as the generator reads it: messages and enums by full name, services in file
order, and the comments protoc kept (`--include_source_info`)."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf import descriptor_pb2

# FileDescriptorProto / DescriptorProto field numbers that make up source-info paths.
_FILE_MESSAGE = 4
_FILE_ENUM = 5
_FILE_SERVICE = 6
_MESSAGE_FIELD = 2
_MESSAGE_NESTED = 3
_MESSAGE_ENUM = 4
_SERVICE_METHOD = 2

Path = tuple[int, ...]


@dataclass(frozen=True)
class Service:
    full_name: str
    proto: descriptor_pb2.ServiceDescriptorProto
    file: str
    path: Path


class Catalog:
    """Messages, enums and services of a FileDescriptorSet, with their comments."""

    def __init__(self, descriptor_set: descriptor_pb2.FileDescriptorSet) -> None:
        self.messages: dict[str, descriptor_pb2.DescriptorProto] = {}
        self.enums: dict[str, descriptor_pb2.EnumDescriptorProto] = {}
        self.services: list[Service] = []
        self._where: dict[str, tuple[str, Path]] = {}
        self._short: dict[str, str] = {}
        self._comments: dict[tuple[str, Path], str] = {}
        for file in descriptor_set.file:
            self._index_file(file)

    def _index_file(self, file: descriptor_pb2.FileDescriptorProto) -> None:
        for location in file.source_code_info.location:
            if location.leading_comments:
                self._comments[(file.name, tuple(location.path))] = location.leading_comments
        prefix = f".{file.package}" if file.package else ""
        for index, message in enumerate(file.message_type):
            self._index_message(file.name, prefix, prefix, message, (_FILE_MESSAGE, index))
        for index, enum in enumerate(file.enum_type):
            self._add_enum(file.name, prefix, enum, (_FILE_ENUM, index))
        for index, service in enumerate(file.service):
            path = (_FILE_SERVICE, index)
            self.services.append(Service(f"{prefix}.{service.name}"[1:], service, file.name, path))

    def _index_message(
        self,
        file: str,
        package: str,
        prefix: str,
        message: descriptor_pb2.DescriptorProto,
        path: Path,
    ) -> None:
        name = f"{prefix}.{message.name}"
        self.messages[name] = message
        self._where[name] = (file, path)
        self._short[name] = name.removeprefix(f"{package}.")
        for index, nested in enumerate(message.nested_type):
            self._index_message(file, package, name, nested, (*path, _MESSAGE_NESTED, index))
        for index, enum in enumerate(message.enum_type):
            self._add_enum(file, name, enum, (*path, _MESSAGE_ENUM, index))

    def _add_enum(
        self, file: str, prefix: str, enum: descriptor_pb2.EnumDescriptorProto, path: Path
    ) -> None:
        name = f"{prefix}.{enum.name}"
        self.enums[name] = enum
        self._where[name] = (file, path)

    def message(self, type_name: str) -> descriptor_pb2.DescriptorProto:
        """A message by its type name as fields write it (`.huntaze.v1.User`)."""
        return self.messages[type_name]

    def short_name(self, type_name: str) -> str:
        """The name inside its package: `User`, `BadRequest.FieldViolation`."""
        return self._short[type_name]

    def comment(self, type_name: str) -> str:
        return self._comment(*self._where[type_name])

    def field_comment(self, type_name: str, index: int) -> str:
        file, path = self._where[type_name]
        return self._comment(file, (*path, _MESSAGE_FIELD, index))

    def service_comment(self, service: Service) -> str:
        return self._comment(service.file, service.path)

    def method_comment(self, service: Service, index: int) -> str:
        return self._comment(service.file, (*service.path, _SERVICE_METHOD, index))

    def _comment(self, file: str, path: Path) -> str:
        return clean_comment(self._comments.get((file, path), ""))


def clean_comment(raw: str) -> str:
    """A proto comment as documentation: the space after `//` removed, the lines of a paragraph
    joined (the source wraps at 100 columns; Markdown readers rewrap), and a paragraph that
    holds `buf:lint:` directives dropped (it is for maintainers)."""
    paragraphs: list[list[str]] = [[]]
    for line in raw.splitlines():
        text = line.strip()
        if text:
            paragraphs[-1].append(text)
        elif paragraphs[-1]:
            paragraphs.append([])
    kept = [p for p in paragraphs if p and not any(t.startswith("buf:lint:") for t in p)]
    return "\n\n".join(" ".join(paragraph) for paragraph in kept)
