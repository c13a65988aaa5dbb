// The Auth.js routes (/api/auth/signin, /callback/<provider>, /session, ...).
import { handlers } from "@/auth"

export const { GET, POST } = handlers
