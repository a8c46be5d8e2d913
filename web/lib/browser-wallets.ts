/**
 * Browser wallets that can sign the app in: a Solana wallet injected as `window.solana`
 * (Phantom's provider, which other Solana wallets copy) and Sui wallets announced through the
 * Wallet Standard (the `wallet-standard:*` window events that @wallet-standard/app wraps).
 *
 * Each is reduced to what wallet sign-in needs: connect (the address) and sign the server's
 * challenge text, answering the signature in the form wallet_sign_in verifies
 * (shared/domain/wallets.py):
 * - Solana: ed25519 over the message's UTF-8 bytes, the 64-byte signature in base58; the
 *   address is the base58 public key.
 * - Sui: `sui:signPersonalMessage`, whose signature is already base64(flag || signature ||
 *   public key) over the personal-message intent; only ed25519 accounts verify (the server
 *   answers unsupported_signature_scheme for the others).
 * Nothing here talks to the functions; components/WalletSignIn.tsx does.
 */

export interface BrowserWallet {
  /** What the button says, e.g. "Phantom" or the Sui wallet's own name. */
  name: string;
  chain: 'solana' | 'sui';
  /** Ask the wallet for its account; the address as the server takes it. */
  connect(): Promise<string>;
  /** Sign `message` (the challenge text) with that account. */
  sign(message: string): Promise<string>;
}

interface SolanaProvider {
  isPhantom?: boolean;
  connect(): Promise<{ publicKey: { toString(): string; toBytes?(): Uint8Array } }>;
  signMessage(message: Uint8Array, display?: 'utf8'): Promise<{ signature: Uint8Array }>;
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Bitcoin-alphabet base58 (Solana's): each leading zero byte is a leading '1'. */
export function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = n * 256n + BigInt(b);
  let text = '';
  while (n > 0n) {
    text = BASE58[Number(n % 58n)] + text;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    text = '1' + text;
  }
  return text;
}

function solanaWallet(provider: SolanaProvider): BrowserWallet {
  return {
    name: provider.isPhantom ? 'Phantom' : 'Solana wallet',
    chain: 'solana',
    connect: async () => (await provider.connect()).publicKey.toString(),
    sign: async (message) => {
      const { signature } = await provider.signMessage(new TextEncoder().encode(message), 'utf8');
      return base58(signature);
    },
  };
}

// The Wallet Standard's shapes, as far as sign-in uses them.
interface StandardAccount { address: string; chains: readonly string[] }
interface StandardWallet {
  name: string;
  chains: readonly string[];
  accounts: readonly StandardAccount[];
  features: Record<string, unknown>;
}
interface Connect { connect(): Promise<{ accounts: readonly StandardAccount[] }> }
interface SignPersonalMessage {
  signPersonalMessage(input: { message: Uint8Array; account: StandardAccount }):
    Promise<{ bytes: string; signature: string }>;
}

function isSuiSigner(wallet: StandardWallet): boolean {
  return wallet.chains.some((c) => c.startsWith('sui:'))
    && 'standard:connect' in wallet.features && 'sui:signPersonalMessage' in wallet.features;
}

function suiWallet(wallet: StandardWallet): BrowserWallet {
  let account: StandardAccount | null = null;
  return {
    name: wallet.name,
    chain: 'sui',
    connect: async () => {
      const { accounts } = await (wallet.features['standard:connect'] as Connect).connect();
      account = accounts.find((a) => a.chains.some((c) => c.startsWith('sui:'))) ?? accounts[0];
      if (!account) throw new Error(`${wallet.name} gave no account`);
      return account.address;
    },
    sign: async (message) => {
      if (!account) throw new Error('connect first');
      const feature = wallet.features['sui:signPersonalMessage'] as SignPersonalMessage;
      const signed = await feature.signPersonalMessage({
        message: new TextEncoder().encode(message), account });
      return signed.signature;
    },
  };
}

/**
 * The wallets in this browser, now and as they announce themselves later (a wallet's script
 * may run after the app's): `onChange` gets the whole list each time; returns a function that
 * stops listening. The Wallet Standard handshake goes both ways: the app says it is ready
 * (wallets loaded earlier register then) and listens for wallets that register afterwards.
 */
export function watchBrowserWallets(onChange: (wallets: BrowserWallet[]) => void): () => void {
  const w = window as unknown as { solana?: SolanaProvider; phantom?: { solana?: SolanaProvider } };
  const solana = w.phantom?.solana ?? w.solana;
  const sui: StandardWallet[] = [];
  const publish = () => onChange([...(solana ? [solanaWallet(solana)] : []),
                                  ...sui.filter(isSuiSigner).map(suiWallet)]);
  const api = {
    register: (...wallets: StandardWallet[]) => {
      sui.push(...wallets.filter((x) => !sui.includes(x)));
      publish();
      return () => {
        for (const x of wallets) if (sui.includes(x)) sui.splice(sui.indexOf(x), 1);
        publish();
      };
    },
  };
  const onRegister = (event: Event) => (event as CustomEvent<(a: typeof api) => void>).detail(api);
  window.addEventListener('wallet-standard:register-wallet', onRegister);
  window.dispatchEvent(new CustomEvent('wallet-standard:app-ready', { detail: api }));
  publish();
  return () => window.removeEventListener('wallet-standard:register-wallet', onRegister);
}
