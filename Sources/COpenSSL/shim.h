#ifndef HOIST_COPENSSL_SHIM_H
#define HOIST_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/crypto.h>
#endif
