// Values shared by the test configs and the tests.
export const TEST_PLATFORM_TOKEN = 'test-platform-token-0123456789abcdef0123456789abcdef'
export const TEST_SIGNING_KEYS = 'k2:test-signing-key-two-0123456789abcdef0123456789,k1:test-signing-key-one-0123456789abcdef0123456789'
export const TEST_DATA_KEY = 'test-data-encryption-key-0123456789abcdef0123456789'
