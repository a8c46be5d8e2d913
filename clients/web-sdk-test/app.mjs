// A signed-in Mintbook user's app, made of the official Firebase JS SDK (npm `firebase`) the way
// the Next.js frontend uses it: Firestore connected to the emulator, live listeners on the
// user's own documents, HTTPS functions called with the ID token and an Idempotency-Key.
//
// Driven by tests/e2e/test_frontend_sdk.py. Input: one JSON config as argv[2]
//   {project, firestoreHost, firestorePort, apiUrl, uid, token, otherUid}
// then one JSON command per stdin line:
//   {"id": 1, "op": "call", "method": "POST", "name": "place_order", "body": {...}, "key": "k"}
//   {"id": 2, "op": "probe"}   the rules probes (another user's documents, writing a balance)
//   {"id": 3, "op": "exit"}
// Output: one JSON object per stdout line, each with an "event":
//   listening {what}                  a listener's first snapshot arrived
//   doc {what, id, change, data}      a document a listener sees was added/modified/removed
//   listen_error {what, code}         a listener was refused
//   response {id, status, body}       the answer of an HTTPS function
//   probe {id, what, outcome, code}   outcome "allowed" or "denied" (code: the SDK's error code)
//   done {id}                         a command finished
// Nothing here knows the expected answers: the test asserts on what the user saw.
import { initializeApp } from 'firebase/app';
import {
  collection, connectFirestoreEmulator, doc, getDoc, getDocs, getFirestore, increment,
  onSnapshot, query, terminate, updateDoc, where,
} from 'firebase/firestore';
import { createInterface } from 'node:readline';

const config = JSON.parse(process.argv[2]);
const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');

// The web app's Firebase config; a "demo-" project never reaches a real backend.
const firebaseConfig = {
  apiKey: 'demo-api-key',
  authDomain: `${config.project}.firebaseapp.com`,
  projectId: config.project,
};

// The Firestore emulator reads request.auth from an unsigned ID token; in production the SDK
// sends the signed-in user's token from Firebase Auth instead. The same token goes to the
// HTTPS functions, so rules and functions see the same uid.
function connect(name) {
  const app = initializeApp(firebaseConfig, name);
  const db = getFirestore(app);
  connectFirestoreEmulator(db, config.firestoreHost, config.firestorePort,
                           { mockUserToken: config.token });
  return db;
}

// The user's own documents: every list constrains owner == uid, as the rules require.
function listen(db, what, uid) {
  let first = true;
  const mine = query(collection(db, what), where('owner', '==', uid));
  return onSnapshot(mine, (snapshot) => {
    for (const change of snapshot.docChanges()) {
      emit({ event: 'doc', what, id: change.doc.id, change: change.type,
             local: change.doc.metadata.hasPendingWrites, data: change.doc.data() });
    }
    if (first) {
      first = false;
      emit({ event: 'listening', what, size: snapshot.size });
    }
  }, (error) => emit({ event: 'listen_error', what, code: error.code }));
}

async function call({ id, method, name, body, key }) {
  const headers = { Authorization: `Bearer ${config.token}` };
  if (key) headers['Idempotency-Key'] = key;
  if (body != null) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${config.apiUrl}/${name}`, {
    method, headers, body: body == null ? undefined : JSON.stringify(body),
  });
  emit({ event: 'response', id, status: response.status, body: await response.json() });
}

async function attempt(id, what, action) {
  try {
    await action();
    emit({ event: 'probe', id, what, outcome: 'allowed' });
  } catch (error) {
    emit({ event: 'probe', id, what, outcome: 'denied', code: error.code ?? String(error) });
  }
}

// What a hostile or buggy client might try, from an SDK instance of its own (its optimistic
// local writes must not show up in the listeners above).
async function probe({ id }) {
  const db = connect('probe');
  const own = doc(db, 'accounts', `${config.uid}:CHIP`);
  const other = doc(db, 'accounts', `${config.otherUid}:CHIP`);
  await attempt(id, 'read own account', () => getDoc(own));
  await attempt(id, 'read other account', () => getDoc(other));
  await attempt(id, 'list all accounts', () => getDocs(collection(db, 'accounts')));
  await attempt(id, 'list other notifications', () => getDocs(
    query(collection(db, 'notifications'), where('owner', '==', config.otherUid))));
  await attempt(id, 'write own balance', () => updateDoc(own, { credits_posted: increment(1e6) }));
  await attempt(id, 'write other balance', () => updateDoc(other, { debits_posted: 0 }));
  await terminate(db);
}

const db = connect('app');
const listeners = ['accounts', 'orders', 'notifications'].map((what) => listen(db, what, config.uid));
const handlers = { call, probe };

const input = createInterface({ input: process.stdin });
for await (const line of input) {
  if (!line.trim()) continue;
  const command = JSON.parse(line);
  if (command.op === 'exit') break;
  try {
    await handlers[command.op](command);
  } catch (error) {
    emit({ event: 'error', id: command.id, message: String(error?.stack ?? error) });
  }
  emit({ event: 'done', id: command.id });
}
listeners.forEach((unsubscribe) => unsubscribe());
await terminate(db);
emit({ event: 'exit' });
process.exit(0);
