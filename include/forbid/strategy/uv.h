/* Build rule (DESIGN.md, Layout): a strategy sees only <stratd/...> and the
 * C library. This file stands in for <uv.h> on a strategy's include path. */
#error "a strategy may not include <uv.h>: use the actor API of <stratd/actor.h> (strategies/README.md)"
