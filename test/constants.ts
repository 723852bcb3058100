// Values shared by the test configs and the tests.
export const TEST_PLATFORM_TOKEN = 'test-platform-token-0123456789abcdef0123456789abcdef'
