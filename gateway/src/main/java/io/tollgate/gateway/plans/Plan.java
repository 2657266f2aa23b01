package io.tollgate.gateway.plans;

import java.util.List;


/**
 * A subscription plan (seed 001): rate limits, a monthly quota, entitlements.
 *
 * @param allowedModels null: every model the key may use
 * @param prepaid       requests spend prepaid credits and are refused with 402 when they run out
 */
public record Plan(String id, String name, String description, boolean prepaid, Long monthlyTokenQuota,
                   Long monthlySpendQuotaMicros, List<String> allowedModels, List<String> features, Limits limits) {

    public boolean hasFeature(String feature) {
        return features.contains(feature);
    }

    public boolean allowsModel(String model) {
        return allowedModels == null || allowedModels.contains(model);
    }
}
