/*
 * pbjson.h — any protobuf-c message as JSON, through its descriptor
 * (journal dumps). Field names as in the .proto; 64-bit integers as JSON
 * numbers; bytes as hex strings; enums by name.
 */
#ifndef STRATD_PBJSON_H
#define STRATD_PBJSON_H

#include <protobuf-c/protobuf-c.h>

#include "json.h"

void pbjson_message(struct json *j, const ProtobufCMessage *m);

#endif
