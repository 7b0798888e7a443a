/**
 * The largest JSON body the demo reads: its biggest request (a 2000-character note, or credentials of 64 + 256
 * characters) fits with room to spare. Larger bodies are refused (413) before they are parsed.
 */
export const MAX_BODY_BYTES = 16 * 1024;

/** Every demo body is one flat object; nesting deeper than this is refused (400) before validation walks it. */
export const MAX_BODY_DEPTH = 4;
