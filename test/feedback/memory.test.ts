import { MemoryFeedbackStore } from '../../src/feedback/store';
import { describeStoreContract } from './store-contract';

describeStoreContract('memory', async () => new MemoryFeedbackStore());
