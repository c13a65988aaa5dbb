import { auth } from "@/auth"

// A protected page: middleware.ts sends visitors without a session to the
// sign-in page, so auth() returns a session here.
export default async function Dashboard() {
  const session = await auth()
  return (
    <main>
      <h1>Dashboard</h1>
      <p>The session, as Auth.js gives it to the app:</p>
      <pre>{JSON.stringify(session, null, 2)}</pre>
    </main>
  )
}
